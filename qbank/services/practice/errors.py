"""What the practice services refuse, in words a student can act on."""


class PracticeError(Exception):
    """A request the practice rules refuse; nothing was saved."""
