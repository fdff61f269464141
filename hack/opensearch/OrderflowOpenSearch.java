import java.util.concurrent.CountDownLatch;
import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * Runs one OpenSearch node for the local stack (hack/services/opensearch.sh), bound to loopback.
 * Arguments: base directory (data, logs, config), HTTP port, transport port, cluster name.
 * Exits 0 on SIGTERM after closing the node (the shutdown hook), 1 if the node never starts.
 */
public final class OrderflowOpenSearch {
  private OrderflowOpenSearch() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: OrderflowOpenSearch <base dir> <http port> <transport port> <cluster name>");
      System.exit(2);
    }
    String base = args[0];
    int httpPort = Integer.parseInt(args[1]);
    int transportPort = Integer.parseInt(args[2]);
    String cluster = args[3];

    OpenSearchRunner runner = new OpenSearchRunner();
    // The runner probes upwards from baseHttpPort + 1 for a free port; pinning the upper bound
    // to the wanted port makes it take exactly that one or fail, never another one silently.
    runner.setMaxHttpPort(httpPort);
    runner.onBuild((index, settings) -> {
      // No security plugin ships with the runner: loopback binding is the only access control.
      settings.put("network.host", "127.0.0.1");
      settings.put("http.host", "127.0.0.1");
      settings.put("transport.host", "127.0.0.1");
      settings.put("http.port", String.valueOf(httpPort));
      settings.put("transport.port", String.valueOf(transportPort));
      // One node: replicas could never be assigned and every index would stay yellow.
      settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
    });
    runner.build(OpenSearchRunner.newConfigs()
        .basePath(base)
        .numOfNode(1)
        .baseHttpPort(httpPort - 1)
        .clusterName(cluster));

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        runner.close();
      } catch (Exception e) {
        System.err.println("closing OpenSearch failed: " + e);
      }
      stopped.countDown();
    }, "orderflow-opensearch-shutdown"));
    runner.ensureYellow();
    System.out.println("orderflow-opensearch: started on 127.0.0.1:" + httpPort);
    stopped.await();
  }
}
