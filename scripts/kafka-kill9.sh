#!/usr/bin/env bash
# Prints: frames without a result (should be 0), duplicates dropped, and how long after the kill the
# surviving worker got the dead one's partitions (about the session timeout, 10 s in serve --kafka).
# kill -9 of a worker mid-stream: two workers, a publisher that then reads the results back
cd "$(dirname "$0")/.."
D="${TMPDIR:-/tmp}/splitstream-k9"; rm -rf "$D"; B=127.0.0.1:19093
./splitstream kafka-broker --port 19093 --dir "$D" --partitions 12 --duration 240s > "$D"-broker.log 2>&1 & BP=$!
sleep 15
./splitstream serve --kafka $B --in k9f --out k9r --group k9 --name wA --no-compute-outputs --duration 150s > "$D"-wA.log 2>&1 & WA=$!
./splitstream serve --kafka $B --in k9f --out k9r --group k9 --name wB --no-compute-outputs --duration 150s --metrics-port 19400 > "$D"-wB.log 2>&1 & WB=$!
for i in $(seq 1 90); do grep -q consuming "$D"-wA.log && grep -q consuming "$D"-wB.log && break; sleep 1; done
sleep 5
./splitstream loadgen --kafka $B --topic k9f --source 'synthetic:constant,rate=25' --streams 8 --duration 30s --results k9r --results-wait 90s > "$D"-load.log 2>&1 & LP=$!
sleep 15
R0=$(curl -s localhost:19400/metrics | grep '^splitstream_kafka_rebalances_total' | awk '{print $2}')
# the JVM, not the launcher: SIGKILL of ./splitstream cannot be passed on and would leave the JVM running
JA=$(pgrep -P $WA -x java)
T0=$(date +%s.%N); kill -9 $JA; echo "kill -9 wA's JVM (pid $JA) at $T0; wB assignments so far $R0"
for i in $(seq 1 300); do
  R=$(curl -s localhost:19400/metrics | grep '^splitstream_kafka_rebalances_total' | awk '{print $2}')
  if [ "$R" != "$R0" ]; then T1=$(date +%s.%N); echo "wB got new partitions $(echo "$T1 - $T0" | bc) s after the kill (assignments $R0 -> $R)"; break; fi
  sleep 0.2
done
wait $LP; cat "$D"-load.log
wait $WB; tail -3 "$D"-wB.log
kill $BP 2>/dev/null; wait $BP
