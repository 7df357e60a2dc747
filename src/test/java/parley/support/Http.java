package parley.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Plain HTTP GETs with the JDK's client, as a balancer's health check or Prometheus would send. */
public final class Http {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  private Http() {}

  /**
   * GET {@code http://host:port/path} with {@code headers} (name, value, ...); throws IOException
   * when the connection is refused or times out.
   */
  public static HttpResponse<String> get(String host, int port, String path, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
            .timeout(Duration.ofSeconds(5));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return CLIENT.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  public static HttpResponse<String> get(int port, String path, String... headers)
      throws IOException, InterruptedException {
    return get("127.0.0.1", port, path, headers);
  }
}
