# cellstrap-server: argument parsing and wiring only.
