# Tests of the store module (labels: kind;store).
