"""Version of the dormancy package."""

__version__ = "0.1.0"
