import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.plugins.ActionPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.rest.BytesRestResponse;
import org.opensearch.rest.RestHandler;
import org.opensearch.rest.RestHeaderDefinition;
import org.opensearch.rest.RestRequest;

/**
 * HTTP basic authentication for the development OpenSearch on kind: the runner ships no
 * security plugin, so this one wraps every REST handler. One user, {@code admin}, whose password
 * OrderflowOpenSearchNode reads from the mounted Secret before the node starts. Without valid
 * credentials every request is refused with 401, except {@code GET /_cluster/health} (the
 * kubelet's readiness probe: no data, nothing written).
 */
public final class BasicAuthPlugin extends Plugin implements ActionPlugin {
  static final String USER = "admin";
  private static volatile byte[] expected;

  /** Set once by the launcher before the node is built. */
  static void configure(String password) {
    expected = ("Basic " + Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8)))
        .getBytes(StandardCharsets.UTF_8);
  }

  static boolean anonymousAllowed(RestRequest request) {
    return (request.method() == RestRequest.Method.GET || request.method() == RestRequest.Method.HEAD)
        && request.path().equals("/_cluster/health");
  }

  static boolean authorized(RestRequest request) {
    byte[] want = expected;
    String given = request.header("Authorization");
    // Constant time: the comparison takes as long whatever prefix matches.
    return want != null && given != null && MessageDigest.isEqual(want, given.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public UnaryOperator<RestHandler> getRestHandlerWrapper(ThreadContext threadContext, Set<RestHeaderDefinition> headersToCopy) {
    return handler -> (request, channel, client) -> {
      if (anonymousAllowed(request) || authorized(request)) {
        handler.handleRequest(request, channel, client);
        return;
      }
      BytesRestResponse refused = new BytesRestResponse(RestStatus.UNAUTHORIZED, "text/plain; charset=UTF-8", "authentication required\n");
      refused.addHeader("WWW-Authenticate", "Basic realm=\"orderflow-opensearch\", charset=\"UTF-8\"");
      channel.sendResponse(refused);
    };
  }
}
