"""Shared by every test file.

The class builders, student-like code and helpers that tests import live in tests/support/, not
next to the test files: this puts that folder on sys.path, so a test says ``import demo_class``
whether pytest is run from the repository root or from tests/.
"""
import sys
from pathlib import Path

SUPPORT = Path(__file__).resolve().parent / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))
