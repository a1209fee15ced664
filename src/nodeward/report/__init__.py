"""Report formats: each a pure `render(report) -> str`."""
