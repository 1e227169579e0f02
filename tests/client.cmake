# Tests of the client module (labels: kind;client).
