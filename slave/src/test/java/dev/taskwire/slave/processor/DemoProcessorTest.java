package dev.taskwire.slave.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.taskwire.slave.TaskFail;
import java.math.BigInteger;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoProcessorTest {
  private final DemoProcessor demo = new DemoProcessor();

  @Test
  void sumsIntegersExactly() throws Exception {
    assertEquals(Map.of("sum", 5L), demo.process(Map.of("a", 2, "b", 3)));
    assertEquals(Map.of("sum", new BigInteger("18446744073709551614")),
        demo.process(Map.of("a", Long.MAX_VALUE, "b", Long.MAX_VALUE)));
  }

  @Test
  void sumsDecimalsAsDouble() throws Exception {
    assertEquals(Map.of("sum", 3.5), demo.process(Map.of("a", 1.5, "b", 2)));
  }

  @Test
  void missingOrNonNumericOperandFailsSayingWhich() {
    assertEquals(Map.of("error", "'b' is missing"), assertThrows(TaskFail.class, () -> demo.process(Map.of("a", 1))).result());
    assertEquals(Map.of("error", "'a' is not a number"),
        assertThrows(TaskFail.class, () -> demo.process(Map.of("a", "1", "b", 2))).result());
  }

  @Test
  void failFlagFailsTheTask() {
    assertEquals(Map.of("error", "requested failure"),
        assertThrows(TaskFail.class, () -> demo.process(Map.of("a", 1, "b", 2, "fail", true))).result());
  }
}
