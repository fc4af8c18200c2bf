package dev.taskwire.common.testing;

import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Assertions;

/** Takes what a MockWebServer received, with a limit: a request that never came fails the test by name. */
public final class MockRequests {
  private MockRequests() {}

  /** The next request {@code server} received, waiting at most 10 s; fails if none came. */
  public static RecordedRequest take(MockWebServer server) throws InterruptedException {
    RecordedRequest request = server.takeRequest(10, TimeUnit.SECONDS);
    Assertions.assertNotNull(request, "no request within 10 s");
    return request;
  }
}
