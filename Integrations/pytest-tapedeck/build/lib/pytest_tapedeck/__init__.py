"""pytest-tapedeck: every test's Bedrock Runtime calls recorded into, and replayed from, its own Tapedeck namespace."""
from .naming import namespace_for
from .scope import RECORD_MODES, TapedeckScope

__all__ = ["RECORD_MODES", "TapedeckScope", "namespace_for"]
