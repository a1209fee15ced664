"""nodeward: a security auditor for Node.js web applications."""

__version__ = "0.1.0"
