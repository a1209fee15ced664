"""Rules over the syntax tree of JS/TS files, one module per family."""
