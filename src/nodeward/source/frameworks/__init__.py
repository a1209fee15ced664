"""The web frameworks nodeward knows, one module each, behind one protocol (base.py); the
registry both the route table and the taint engine iterate over is registry.py."""
