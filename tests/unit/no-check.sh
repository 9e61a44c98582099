#!/bin/sh
echo "The Check unit-test framework was not found at configure time."
echo "Install it (apt-get install check), then run ./configure again."
exit 1
