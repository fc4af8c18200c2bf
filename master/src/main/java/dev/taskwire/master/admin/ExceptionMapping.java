package dev.taskwire.master.admin;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * What handlers throw, turned into what the server answers, by the thrown exception's class: the
 * mapping of its nearest superclass that has one decides (as Javalin's own exception handlers
 * choose), so the order of {@link #on} calls does not matter. An exception of no mapped class is
 * thrown on as it is (the server logs it and answers 500).
 *
 * <p>Applied per route ({@link #mapped}) rather than as the server's exception handlers, which
 * answer the protocol endpoints beside the admin API and must stay as they are. Set up once, before
 * the routes are registered; read-only after.
 */
final class ExceptionMapping {
  private final Map<Class<?>, BiFunction<Exception, Context, Exception>> mappings = new LinkedHashMap<>();

  /** Maps exceptions of {@code type} (and of its subclasses without a mapping of their own) by {@code mapping}. */
  <E extends Exception> ExceptionMapping on(Class<E> type, BiFunction<? super E, Context, ? extends Exception> mapping) {
    mappings.put(type, (e, ctx) -> mapping.apply(type.cast(e), ctx));
    return this;
  }

  /** What the server answers for {@code e}, thrown by a handler of {@code ctx}. */
  Exception answerFor(Exception e, Context ctx) {
    for (Class<?> type = e.getClass(); type != null; type = type.getSuperclass()) {
      BiFunction<Exception, Context, Exception> mapping = mappings.get(type);
      if (mapping != null) {
        return mapping.apply(e, ctx);
      }
    }
    return e;
  }

  /** {@code handler} with this mapping around it. */
  Handler mapped(Handler handler) {
    return ctx -> {
      try {
        handler.handle(ctx);
      } catch (Exception e) {
        throw answerFor(e, ctx);
      }
    };
  }
}
