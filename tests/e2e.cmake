# Tests of the e2e module (labels: kind;demo).
