#!/bin/bash
# scen-partition.sh BACKEND VICTIM ACKED : cut VICTIM off, write on both sides, read on minority, heal, verify
B=$1; V=$2; A=$3; S=$(cd "$(dirname "$0")" && pwd); D="java -cp $S/out:$S/lib/* spike.Driver"; cd $S
ts(){ date +%T.%3N; }
others=$(for i in 1 2 3; do [ $i != $V ] && echo $i; done | tr '\n' ' ')
M=$(echo $others | cut -d' ' -f1)
echo "$(ts) before cut:"; for i in 1 2 3; do $D cmd 10.199.0.$i 7000 STATUS; done
./ns.sh cut $V; echo "$(ts) CUT n$V"
for k in 1 2 3 4 5 6; do
  echo "$(ts) minority n$V: $(ip netns exec ps$V $D append 10.199.0.$V 7000 lobby 1 min$k-$V $A | tr '\n' ' ')"
  echo "$(ts) majority n$M: $($D append 10.199.0.$M 7000 lobby 20 maj$k-$V $A | tr '\n' ' ')"
done
echo "$(ts) minority status: $(ip netns exec ps$V $D cmd 10.199.0.$V 7000 STATUS)"
echo "$(ts) minority read: $(ip netns exec ps$V $D cmd 10.199.0.$V 7000 DUMP lobby | head -1)"
echo "$(ts) majority read: $($D cmd 10.199.0.$M 7000 DUMP lobby | head -1)"
./ns.sh heal $V; echo "$(ts) HEAL n$V"
for k in 1 2 3 4 5 6 7 8 9 10; do sleep 2; s=$($D cmd 10.199.0.$V 7000 STATUS 2>&1); echo "$(ts) n$V: $s"; echo "$s" | grep -q "writable=yes" && break; done
$D append 10.199.0.$V 7000 lobby 20 healed-$V $A
sleep 3
$D verify $A 10.199.0.1:7000 10.199.0.2:7000 10.199.0.3:7000
