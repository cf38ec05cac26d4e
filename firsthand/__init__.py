"""firsthand: first-person statements that no one can put in another person's mouth."""

__version__ = "0.1.0"
