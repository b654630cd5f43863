from bgreplay.cli.app import entry

entry()
