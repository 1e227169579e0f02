# Tests of the bs module (labels: kind;bs).
