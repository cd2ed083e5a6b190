#!/usr/bin/env bash
# The README's quick-start session with oscsend (from liblo-tools): play a sine, change
# its frequency, then its frequency and amplitude together, and free it.
#
#   cargo run --release                 # the server, in another terminal
#   examples/oscsend_session.sh         # or: OSCINE_PORT=57131 examples/oscsend_session.sh
#
# oscsend cannot receive, so replies (/ack, /error) are lost; the server also logs every
# error on its standard error. Use examples/python_client.py to see replies.
set -euo pipefail

host=${OSCINE_HOST:-localhost}
port=${OSCINE_PORT:-57130}

# A sine, node 1000, at the tail (1) of the root group (0), at 440 Hz.
oscsend "$host" "$port" /synth/new siiisf sine 1000 0 1 freq 440
sleep 1
oscsend "$host" "$port" /node/set isf 1000 freq 660
sleep 1
oscsend "$host" "$port" /node/set isfsf 1000 freq 330 amp 0.2
sleep 1
oscsend "$host" "$port" /node/free i 1000
