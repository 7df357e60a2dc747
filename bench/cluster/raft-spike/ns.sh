#!/bin/bash
# ns.sh up|down|cut N|heal N   -- 3 namespaces ps1..ps3 (10.199.0.1-3) on bridge psbr0 (10.199.0.254)
set -e
case "$1" in
up)
  ip link add psbr0 type bridge
  ip addr add 10.199.0.254/24 dev psbr0
  ip link set psbr0 up
  for i in 1 2 3; do
    ip netns add ps$i
    ip link add psv$i type veth peer name eth0 netns ps$i
    ip link set psv$i master psbr0 up
    ip -n ps$i addr add 10.199.0.$i/24 dev eth0
    ip -n ps$i link set eth0 up
    ip -n ps$i link set lo up
  done ;;
down)
  for i in 1 2 3; do ip netns del ps$i 2>/dev/null || true; ip link del psv$i 2>/dev/null || true; done
  ip link del psbr0 2>/dev/null || true ;;
cut) ip link set psv$2 down ;;
heal) ip link set psv$2 up ;;
esac
