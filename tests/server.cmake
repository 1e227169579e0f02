# Tests of the server module (labels: kind;server).
