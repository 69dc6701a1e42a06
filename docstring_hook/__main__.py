from __future__ import annotations

from docstring_hook.cli import main

raise SystemExit(main())
