"""The live probe: safe HTTP checks of a running app (`nodeward probe URL`)."""
