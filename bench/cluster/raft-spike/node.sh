#!/bin/bash
# node.sh start|kill BACKEND I   -- runs spike.<Backend>Node in namespace psI; cmd port 7000, raft/cluster port 6000
B=$2; I=$3; D=$(cd "$(dirname "$0")" && pwd); mkdir -p $D/logs $D/data/$B
case "$1" in
start)
  case $B in
    raft) ARGS="n$I n1=10.199.0.1:6000,n2=10.199.0.2:6000,n3=10.199.0.3:6000 $D/data/raft/n$I 10.199.0.$I 7000"; CLS=spike.RaftNode ;;
    ispn) ARGS="n$I 10.199.0.$I $D/data/ispn/n$I 7000"; CLS=spike.IspnNode ;;
    hz)   ARGS="n$I 10.199.0.$I 7000"; CLS=spike.HzNode ;;
  esac
  ip netns exec ps$I setsid java -Xms256m -Xmx512m -Djava.net.preferIPv4Stack=true -Dspike.dir=$D -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
     -cp "$D/out:$D/lib/*" $CLS $ARGS >> $D/logs/$B-n$I.log 2>&1 < /dev/null &
  echo $! > $D/logs/$B-n$I.pid ;;
kill) kill -9 $(cat $D/logs/$B-n$I.pid) 2>/dev/null; true ;;
esac
