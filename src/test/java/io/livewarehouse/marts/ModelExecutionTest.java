package io.livewarehouse.marts;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A model's window, bound without a warehouse: each :loaded_from and :loaded_through becomes a ? with its value. */
@Tag("unit")
class ModelExecutionTest {

    @Test
    void theWindowIsBoundInTheOrderItIsWritten() {
        OffsetDateTime from = OffsetDateTime.parse("2026-01-01T00:00:00Z");
        OffsetDateTime through = OffsetDateTime.parse("2026-01-02T00:00:00Z");
        List<OffsetDateTime> binds = new ArrayList<>();
        String sql = ModelExecution.bindWindow("select * from s where _cdc_loaded_at > :loaded_from and "
                + "_cdc_loaded_at <= :loaded_through or (x > :loaded_from and :loaded_fromage = 1)", from, through, binds);
        assertThat(sql).isEqualTo("select * from s where _cdc_loaded_at > ? and _cdc_loaded_at <= ? or (x > ? and :loaded_fromage = 1)");
        assertThat(binds).containsExactly(from, through, from);
    }
}
