"""What a test is served with: its namespace and record mode, and the server's URL (the `tapedeck` fixture)."""
from dataclasses import dataclass

# pytest-recording's record modes, and the Tapedeck scope mode each one asks for.
RECORD_MODES = {
    "none": "replay",  # replay only: a request without a cassette fails
    "once": "once",  # record a test's cassettes when it has none, else replay only
    "new_episodes": "auto",  # replay what exists, record the rest
    "all": "record",  # record everything again
}


@dataclass(frozen=True)
class TapedeckScope:
    """The `tapedeck` fixture: where the session's Tapedeck listens and the namespace this test records into."""

    url: str
    namespace: str
    record_mode: str
    store: str
