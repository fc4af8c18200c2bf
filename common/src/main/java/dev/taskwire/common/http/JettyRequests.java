package dev.taskwire.common.http;

import io.javalin.http.Context;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;

/** Jetty's own request behind a Javalin {@link Context}, for what the servlet API does not reach. */
public final class JettyRequests {
  private JettyRequests() {}

  /**
   * Jetty's request of {@code ctx}: its connection (to set the idle timeout of a read, to cut a
   * connection) and when it began; null for a request Jetty did not make (a test's mock).
   */
  static ServletContextRequest of(Context ctx) {
    try {
      return ServletContextRequest.getServletContextRequest(ctx.req());
    } catch (RuntimeException notJettys) {
      return null;
    }
  }

  /**
   * What cuts the connection {@code ctx} came on, found now (while the request is live): closing it
   * fails a write blocked on a client that does not read. Null for a request Jetty did not make.
   */
  public static Consumer<Throwable> connectionCutter(Context ctx) {
    ServletContextRequest jetty = of(ctx);
    if (jetty == null) {
      return null;
    }
    EndPoint endPoint = jetty.getConnectionMetaData().getConnection().getEndPoint();
    return endPoint::close;
  }
}
