#!/bin/bash
# scen-crash.sh BACKEND ACKED "ORDER" : writers on two nodes, kill -9 all 3 at once mid-load, restart in ORDER (first one alone for 8 s), verify
B=$1; A=$2; ORDER="$3"; S=$(cd "$(dirname "$0")" && pwd); D="java -cp $S/out:$S/lib/* spike.Driver"; cd $S
ts(){ date +%T.%3N; }
$D append 10.199.0.1 7000 lobby 100000 crashA-$RANDOM $A > logs/w1.txt 2>&1 &
W1=$!
$D append 10.199.0.2 7000 room2 100000 crashB-$RANDOM $A > logs/w2.txt 2>&1 &
W2=$!
sleep 6
for i in 1 2 3; do kill -9 $(cat logs/$B-n$i.pid); done; echo "$(ts) KILLED ALL (kill -9)"
wait $W1 $W2 2>/dev/null; echo "acked so far: $(wc -l < $A)"
first=${ORDER%% *}
./node.sh start $B $first; sleep 10
echo "$(ts) alone n$first: $($D cmd 10.199.0.$first 7000 STATUS 2>&1)"
echo "$(ts) alone n$first write: $($D append 10.199.0.$first 7000 lobby 1 alone $A 2>&1 | tr '\n' ' ')"
echo "$(ts) alone n$first read: $($D cmd 10.199.0.$first 7000 DUMP lobby 2>&1 | head -1)"
for i in ${ORDER#* }; do ./node.sh start $B $i; sleep 2; done
for k in $(seq 1 20); do sleep 2; ok=0; for i in 1 2 3; do $D cmd 10.199.0.$i 7000 STATUS 2>/dev/null | grep -q "writable=yes" && ok=$((ok+1)); done; [ $ok = 3 ] && break; done
echo "$(ts) all up:"; for i in 1 2 3; do $D cmd 10.199.0.$i 7000 STATUS; done
$D append 10.199.0.$first 7000 lobby 20 after-restart $A
sleep 5
$D verify $A 10.199.0.1:7000 10.199.0.2:7000 10.199.0.3:7000
