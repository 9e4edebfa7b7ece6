"""The version of sklime (also in pyproject.toml)."""

__version__ = "0.1.0.dev0"
