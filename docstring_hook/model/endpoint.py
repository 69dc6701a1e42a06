"""Which endpoint to talk to, read from the environment and nowhere else."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from docstring_hook.config import Settings
from docstring_hook.errors import ConfigError

DEFAULT_API_VERSION = "2024-10-21"

MISSING_CREDENTIALS = (
    "no model endpoint configured: set AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY and "
    "AZURE_OPENAI_DEPLOYMENT (or --deployment), or OPENAI_BASE_URL and OPENAI_API_KEY; "
    "to commit without it: SKIP=docstring-hook git commit"
)


@dataclass(frozen=True)
class Endpoint:
    """Where requests go. The key is kept out of `repr` so it cannot leak into logs."""

    kind: str  # "azure" (deployments route), "azure-v1" or "openai" (any compatible server)
    url: str
    model: str
    api_version: str | None = None
    api_key: str | None = field(default=None, repr=False)

    @property
    def uses_entra_id(self) -> bool:
        """Azure without a key: a token from azure-identity instead."""
        return self.kind != "openai" and self.api_key is None


def resolve_endpoint(environ: Mapping[str, str], settings: Settings) -> Endpoint | None:
    """The endpoint the environment describes, None when it describes none.

    Raises `ConfigError` when it describes one only in part.
    """
    base_url = environ.get("OPENAI_BASE_URL", "").strip()
    azure_url = environ.get("AZURE_OPENAI_ENDPOINT", "").strip()
    if azure_url:
        return _azure(azure_url, environ, settings)
    if base_url:
        key = environ.get("OPENAI_API_KEY", "").strip()
        if not key:
            raise ConfigError(
                "OPENAI_BASE_URL is set but OPENAI_API_KEY is not (use any non-empty value for local servers)"
            )
        return Endpoint("openai", base_url, settings.model, api_key=key)
    return None


def _azure(url: str, environ: Mapping[str, str], settings: Settings) -> Endpoint:
    key = environ.get("AZURE_OPENAI_API_KEY", "").strip() or None
    if url.rstrip("/").endswith("/openai/v1"):
        deployment = settings.deployment or environ.get("AZURE_OPENAI_DEPLOYMENT", "").strip() or settings.model
        return Endpoint("azure-v1", url.rstrip("/") + "/", deployment, api_key=key)
    deployment = settings.deployment or environ.get("AZURE_OPENAI_DEPLOYMENT", "").strip()
    if not deployment:
        raise ConfigError(
            "AZURE_OPENAI_ENDPOINT is set but no deployment: set AZURE_OPENAI_DEPLOYMENT or pass --deployment"
        )
    version = settings.api_version or environ.get("OPENAI_API_VERSION", "").strip() or DEFAULT_API_VERSION
    return Endpoint("azure", url, deployment, version, key)
