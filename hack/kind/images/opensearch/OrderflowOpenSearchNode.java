import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * One OpenSearch node in a Pod (charts/orderflow-dev-infra/templates/opensearch.yaml), from the
 * same Maven Central jars as the host stack's (hack/opensearch). HTTP on every interface of the
 * Pod, port 9200, behind {@link BasicAuthPlugin}; transport on loopback only (one node, no
 * cluster to join). Settings from the environment:
 *   OPENSEARCH_DATA            data, logs and config (the volume), default /var/lib/opensearch
 *   OPENSEARCH_PASSWORD_FILE   the admin password (a mounted Secret); required, at least 16 characters
 *   OPENSEARCH_CLUSTER_NAME    default orderflow
 *   OPENSEARCH_HTTP_PORT, OPENSEARCH_TRANSPORT_PORT   default 9200, 9300
 * Exits 0 on SIGTERM after closing the node, non-zero when it cannot start.
 */
public final class OrderflowOpenSearchNode {
  private OrderflowOpenSearchNode() {}

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? fallback : v;
  }

  public static void main(String[] args) throws Exception {
    String passwordFile = env("OPENSEARCH_PASSWORD_FILE", null);
    if (passwordFile == null) {
      System.err.println("OPENSEARCH_PASSWORD_FILE is required: the admin password (never a default one)");
      System.exit(2);
    }
    String password = Files.readString(Path.of(passwordFile), StandardCharsets.UTF_8).strip();
    if (password.length() < 16) {
      System.err.println("OPENSEARCH_PASSWORD_FILE: the admin password must have at least 16 characters");
      System.exit(2);
    }
    BasicAuthPlugin.configure(password);
    String base = env("OPENSEARCH_DATA", "/var/lib/opensearch");
    String cluster = env("OPENSEARCH_CLUSTER_NAME", "orderflow");
    int httpPort = Integer.parseInt(env("OPENSEARCH_HTTP_PORT", "9200"));
    int transportPort = Integer.parseInt(env("OPENSEARCH_TRANSPORT_PORT", "9300"));

    // As the host stack's -Dopensearch.path.home: the node's home is the data volume.
    System.setProperty("opensearch.path.home", base);
    OpenSearchRunner runner = new OpenSearchRunner();
    // The runner probes upwards from baseHttpPort + 1; the upper bound makes it take 9200 or fail.
    runner.setMaxHttpPort(httpPort);
    runner.onBuild((index, settings) -> {
      settings.put("network.host", "127.0.0.1");
      settings.put("http.host", "0.0.0.0");
      settings.put("transport.host", "127.0.0.1");
      settings.put("http.port", String.valueOf(httpPort));
      settings.put("transport.port", String.valueOf(transportPort));
      settings.put("discovery.type", "single-node");
      // One node: replicas could never be assigned and every index would stay yellow.
      settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
    });
    runner.build(OpenSearchRunner.newConfigs()
        .basePath(base)
        .numOfNode(1)
        .baseHttpPort(httpPort - 1)
        .clusterName(cluster)
        .pluginTypes(BasicAuthPlugin.class.getName()));

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
    System.out.println("orderflow-opensearch: started on :" + httpPort + " (basic auth, user " + BasicAuthPlugin.USER + ")");
    stopped.await();
  }
}
