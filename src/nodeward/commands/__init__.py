"""The subcommands, one module each. Every module exports `register(subparsers)`, which adds
its parser and sets its `handler`; nodeward.cli builds the parser from the list and
dispatches. A module imports at its top only what building its parser needs: the analyzers,
the probe and the report formats load inside the handler that uses them."""
