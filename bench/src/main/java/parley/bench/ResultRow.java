package parley.bench;

/** One line of the results table. NaN / negative means "not applicable". */
final class ResultRow {
  String scenario;
  String server;
  String proto;
  String step; // e.g. "R=1000/s N=1000 S=1000"
  double deliveredPerSec = Double.NaN;
  double expectedPerSec = Double.NaN;
  long lossCount = -1;
  double lossPct = Double.NaN;
  double p50 = Double.NaN, p99 = Double.NaN, p999 = Double.NaN, max = Double.NaN; // ms
  double serverCpu = Double.NaN;
  double rssMb = Double.NaN;
  double hwmMb = Double.NaN;
  double genCpu = Double.NaN;
  double otherCpu = Double.NaN; // machine busy CPU minus server minus generator
  long duplicates = -1;
  long outOfOrder = -1;
  long late = -1;
  String result = "";

  static ResultRow of(String scenario, String server, Proto proto, String step) {
    ResultRow r = new ResultRow();
    r.scenario = scenario;
    r.server = server;
    r.proto = proto == null ? "-" : proto.label();
    r.step = step;
    return r;
  }
}
