from nodeward.cli import entry

entry()
