package dev.taskwire.master.admin;

import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** {@link ExceptionMapping}: what a handler throws is answered by the mapping of its class's nearest mapped superclass. */
class ExceptionMappingTest {
  @Test
  void anExceptionIsMappedByItsNearestMappedClass() {
    RuntimeException badRequest = new RuntimeException("400");
    RuntimeException notANumber = new RuntimeException("number");
    ExceptionMapping mapping = new ExceptionMapping()
        .on(NumberFormatException.class, (e, ctx) -> notANumber)
        .on(IllegalArgumentException.class, (e, ctx) -> badRequest);
    assertSame(notANumber, mapping.answerFor(new NumberFormatException("x"), null));
    assertSame(badRequest, mapping.answerFor(new IllegalArgumentException("x"), null));
    assertSame(badRequest, mapping.answerFor(new java.util.IllegalFormatPrecisionException(1), null), "a subclass of one mapped");
    IllegalStateException unmapped = new IllegalStateException("x");
    assertSame(unmapped, mapping.answerFor(unmapped, null), "thrown on as it is");
  }
}
