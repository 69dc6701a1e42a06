"""Secrets are masked before any prompt is built; ordinary code is left alone.

Every value below is fake, shaped like the real thing.
"""

from __future__ import annotations

import ast

import pytest

from docstring_hook.datatypes import FunctionFacts, Param, Target, TargetKind
from docstring_hook.redact import entropy, looks_random, redact, redact_facts

RANDOM_40 = "q7Vb2XkP9zR4mWc8Ht1LsN6yJd3Fg5Ue0Ao2Ti7K"  # base64-shaped, no meaning
RANDOM_88 = "FAKEq7Vb2XkP9zR4mWc8Ht1LsN6yJd3Fg5Ue0Ao2Ti7Kx9Qp4Wr8Ev1Bn6Mh3Zs5Cy2Dl7Go0Ij4Uk9Pf1Ht8Nw3Lq=="

# (line of code, its masked form)
SECRETS = [
    pytest.param('k = "AKIAZZZZFAKE0EXAMPLE"', 'k = "<redacted:aws-key>"', id="aws access key id"),
    pytest.param(f'aws_secret_access_key = "{RANDOM_40}"', 'aws_secret_access_key = "<redacted:api-key>"', id="aws secret key by name"),
    pytest.param(f'x = "{RANDOM_40}"', 'x = "<redacted:high-entropy>"', id="aws-like secret by entropy"),
    pytest.param(
        f'c = "DefaultEndpointsProtocol=https;AccountName=fake;AccountKey={RANDOM_88};EndpointSuffix=core.windows.net"',
        'c = "DefaultEndpointsProtocol=https;AccountName=fake;AccountKey=<redacted:azure-storage-key>;EndpointSuffix=core.windows.net"',
        id="azure storage connection string",
    ),
    pytest.param(
        'u = "https://fake.blob.core.windows.net/c/b?sv=2022-11-02&sp=r&sig=FAKEq7Vb2XkP9zR4mWc8Ht1LsN6%2ByJd3%3D"',
        'u = "https://fake.blob.core.windows.net/c/b?sv=2022-11-02&sp=r&sig=<redacted:azure-sas>"',
        id="azure sas url",
    ),
    pytest.param('g = "AIzaFAKEFAKEFAKEFAKEFAKEFAKEFAKE0123456"', 'g = "<redacted:gcp-api-key>"', id="gcp api key"),
    pytest.param('t = "ghp_FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE0000"', 't = "<redacted:github-token>"', id="github classic token"),
    pytest.param('t = "github_pat_FAKE0000000000000000_FAKEFAKEFAKEFAKEFAKE"', 't = "<redacted:github-token>"', id="github fine-grained token"),
    pytest.param('t = "glpat-FAKEFAKEFAKE00000000"', 't = "<redacted:gitlab-token>"', id="gitlab token"),
    pytest.param('t = "xoxb-000000000000-0000000000000-FAKEFAKEFAKEFAKEFAKEFAKE"', 't = "<redacted:slack-token>"', id="slack token"),
    pytest.param(
        'h = "https://hooks.slack.com/services/T00000000/B00000000/FAKEFAKEFAKEFAKEFAKEFAKE"',
        'h = "https://hooks.slack.com/services/<redacted:slack-webhook>"',
        id="slack webhook",
    ),
    pytest.param('s = "sk_live_FAKEFAKEFAKEFAKE0000"', 's = "<redacted:stripe-key>"', id="stripe secret key"),
    pytest.param('o = "sk-proj-FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE0000"', 'o = "<redacted:openai-key>"', id="openai key"),
    pytest.param(
        'j = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmYWtlIn0.FAKEsignatureFAKEsignature"',
        'j = "<redacted:jwt>"',
        id="jwt",
    ),
    pytest.param(
        'k = """-----BEGIN RSA PRIVATE KEY-----\nMIIFAKEFAKE\nFAKEFAKE==\n-----END RSA PRIVATE KEY-----"""',
        'k = """<redacted:private-key>"""',
        id="private key block",
    ),
    pytest.param(
        'k = "-----BEGIN OPENSSH PRIVATE KEY-----\\nFAKEFAKE\\n-----END OPENSSH PRIVATE KEY-----\\n"',
        'k = "<redacted:private-key>\\n"',
        id="private key with escapes",
    ),
    pytest.param(
        'u = "postgresql://app:fake-pass-123@db.invalid:5432/app"',
        'u = "postgresql://app:<redacted:url-password>@db.invalid:5432/app"',
        id="url with a password",
    ),
    pytest.param('c = "Server=db;User Id=sa;Password=Fake!Pass1;"', 'c = "Server=db;User Id=sa;Password=<redacted:password>;"', id="ado connection string"),
    pytest.param('password = "letmein"', 'password = "<redacted:password>"', id="password assignment"),
    pytest.param('connect(db_password="fake-pw-1")', 'connect(db_password="<redacted:password>")', id="keyword argument"),
    pytest.param('cfg = {"client_secret": "fake-secret-1"}', 'cfg = {"client_secret": "<redacted:secret>"}', id="dict entry"),
    pytest.param('token: str = "tok-0fake"', 'token: str = "<redacted:token>"', id="annotated token"),
    pytest.param('API_KEY = "fake-key-0001"', 'API_KEY = "<redacted:api-key>"', id="api_key constant"),
    pytest.param('h["Authorization"] = "Bearer fake.token.1"', 'h["Authorization"] = "<redacted:token>"', id="authorization header"),
    pytest.param("# old token: fakeT0ken-0001", "# old token: <redacted:token>", id="token in a comment"),
]


@pytest.mark.parametrize(("code", "masked"), SECRETS)
def test_secrets_are_masked_inside_their_literal(code: str, masked: str) -> None:
    redacted = redact(code)
    assert (redacted.text, redacted.count) == (masked, 1)
    ast.parse(redacted.text)  # still Python


NOT_SECRETS = [
    pytest.param('md5 = "d41d8cd98f00b204e9800998ecf8427e"', id="md5 hex digest"),
    pytest.param('sha = "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b"', id="sha256 hex digest"),
    pytest.param('commit = "9fceb02d0ae598e95dc970b74767f19372d61af8"', id="git commit id"),
    pytest.param('u = "123e4567-e89b-12d3-a456-426614174000"', id="uuid"),
    pytest.param('b = "aGVsbG8gd29ybGQ="', id="base64 of short words"),
    pytest.param('n = "this_is_a_really_long_ordinary_identifier_name"', id="long identifier"),
    pytest.param('n = "AbstractSingletonProxyFactoryBean2"', id="long camel case name"),
    pytest.param('n = "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09"', id="hyphenated name with digits"),
    pytest.param('u = "https://example.com/path/To/Some-Resource_v2?page=10&q=abc"', id="url without password"),
    pytest.param('u = "https://user@example.com/x"', id="url with user only"),
    pytest.param('p = "/usr/local/lib/python3.11/site-packages/Foo"', id="file path"),
    pytest.param('password = os.environ["DB_PASSWORD"]', id="password read from the environment"),
    pytest.param('password = ""', id="empty password"),
    pytest.param('password = "${DB_PASSWORD}"', id="template password"),
    pytest.param('url = f"{scheme}://{user}:{password}@{host}"', id="url template"),
    pytest.param('token = "NAME"', id="lexer token name"),
    pytest.param('pad_token = "<pad>"', id="special token"),
    pytest.param('token_type = "bearer"', id="token type"),
    pytest.param('password_hash = "pbkdf2:sha256"', id="password hash algorithm"),
    pytest.param("# the token: see below", id="prose in a comment"),
    pytest.param("def AbstractFactory2ProxyBeanSingletonXy(): pass", id="long name in code"),
]


@pytest.mark.parametrize("code", NOT_SECRETS)
def test_ordinary_code_is_left_alone(code: str) -> None:
    assert redact(code) == redact(code).__class__(code, 0)


def test_masking_is_stable_and_idempotent() -> None:
    code = 'def f():\n    return connect("AKIAZZZZFAKE0EXAMPLE", password="fake-pw-1")\n'
    once = redact(code)
    assert once == redact(code)
    assert once.count == 2
    assert redact(once.text).count == 0


def test_source_that_does_not_tokenize_is_searched_whole() -> None:
    assert redact('x = "AKIAZZZZFAKE0EXAMPLE\n').text == 'x = "<redacted:aws-key>\n'


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        (RANDOM_40, True),
        ("FAKEq7Vb2XkP9zR4mWc8", True),  # 20 characters: the shortest judged
        ("FAKEq7Vb2XkP9zR4mWc", False),  # 19
        ("ab" * 20, False),  # one class only, low entropy
        ("Ab1" * 10, False),  # three classes, low entropy
    ],
)
def test_looks_random(word: str, expected: bool) -> None:
    assert looks_random(word) is expected


def test_entropy_counts_bits_per_character() -> None:
    assert (entropy("aaaa"), entropy("abab"), entropy("abcd")) == (0.0, 1.0, 2.0)


def test_facts_are_redacted_everywhere_a_prompt_reads_them() -> None:
    facts = FunctionFacts(
        target=Target("m.py", "C.connect", 3, TargetKind.METHOD),
        source='def connect(self, password="fake-pw-1"):\n    return "AKIAZZZZFAKE0EXAMPLE"\n',
        params=(Param("password", default="'fake-pw-1'"),),
        decorators=('retry(token="fakeT0ken-0001")',),
        class_summary="Holds AKIAZZZZFAKE0EXAMPLE.",
        module_summary="Uses sk_live_FAKEFAKEFAKEFAKE0000.",
    )
    redacted, count = redact_facts(facts)
    assert redacted.source == 'def connect(self, password="<redacted:password>"):\n    return "<redacted:aws-key>"\n'
    assert redacted.params[0].default == "'<redacted:password>'"
    assert redacted.decorators == ('retry(token="<redacted:token>")',)
    assert (redacted.class_summary, redacted.module_summary) == ("Holds <redacted:aws-key>.", "Uses <redacted:stripe-key>.")
    assert count == 4  # source 2, summaries 2; the default and decorator repeat the source
