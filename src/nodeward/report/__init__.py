"""Report formats: each a pure `render(report) -> str`."""

#: The report formats, as `--format` and the config name them.
FORMATS = ("text", "json", "sarif", "html", "github", "cyclonedx")
