"""Live checks, one module per family. Passive checks read every response the probe gets;
active checks (only with --active) send their own safe payloads."""
