from telekit._cli import entry

entry()
