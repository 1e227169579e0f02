# cellstrap-bs: argument parsing and wiring only.
