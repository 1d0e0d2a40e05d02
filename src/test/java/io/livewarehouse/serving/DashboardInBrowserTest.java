package io.livewarehouse.serving;

import io.livewarehouse.source.SourceConnections;
import io.livewarehouse.support.Chromium;
import io.livewarehouse.support.SourceDatabases;
import io.livewarehouse.warehouse.Warehouse;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.math.BigDecimal;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard and the pipeline page in a real browser (headless Chromium) against the running pipeline on
 * the embedded source: the headline metrics and every chart's marks carry the marts' figures, a store filter
 * redraws them, a source change appears without reloading, and each page is kept as a screenshot in
 * target/screenshots.
 */
@QuarkusTest
@TestProfile(Serving.class)
class DashboardInBrowserTest {

    private static final Path SCREENSHOTS = Path.of("target/screenshots");
    private static ChromeDriver browser;

    @TestHTTPResource("/")
    URL root;

    @Inject
    SourceConnections source;

    @Inject
    Warehouse warehouse;

    @BeforeAll
    static void openBrowser() throws Exception {
        browser = Chromium.start();
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void theDashboardDrawsTheMartsFiguresAndFollowsFiltersAndChanges() throws Exception {
        ServingTest.awaitMartsHoldAllRentals(source, warehouse);
        browser.get(root.toString());
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.until(page -> rendered() != null);

        String all = " from marts.obt_rental";
        assertThat(metric("revenue")).isEqualByComparingTo(decimal("select sum(amount_paid)" + all));
        assertThat(metric("rentals")).isEqualByComparingTo(decimal("select count(*)" + all));
        assertThat(metric("activeCustomers")).isEqualByComparingTo(decimal("select count(distinct customer_id)" + all));
        assertThat(browser.findElement(By.cssSelector(".metric[data-metric=revenue] .value")).getText()).startsWith("$");
        // Every chart drew its marks, each with the figure it stands for.
        assertThat(marks("revenueByMonth")).isEqualTo(rows("select cast(date_trunc('month', rental_date) as date), "
                + "sum(amount_paid)" + all + " group by 1 order by 1"));
        assertThat(marks("revenueByStore").values()).containsExactlyElementsOf(
                rows("select store_id, sum(amount_paid)" + all + " group by 1 order by 1").values());
        Map.Entry<String, BigDecimal> topFilm = marks("topFilms").entrySet().iterator().next();
        assertThat(topFilm.getValue()).isEqualByComparingTo(decimal("select count(*)" + all
                + " where film_title = '" + topFilm.getKey().replace("'", "''") + "'"));
        assertThat(marks("topFilms")).hasSize(10);
        assertThat(marks("rentalsByCategory").values().stream().reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo(decimal("select count(*)" + all));
        assertThat(marks("revenueByCountry")).hasSize(15);
        assertThat(browser.findElements(By.cssSelector("#lateReturnsByMonth rect[data-series=late]")).stream()
                .map(mark -> new BigDecimal(mark.getDomAttribute("data-value"))).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo(decimal("select count(*)" + all + " where is_late"));
        screenshot("dashboard");

        // Store 2 only.
        new Select(browser.findElement(By.id("store"))).selectByValue("2");
        wait.until(page -> String.valueOf(rendered()).contains("store=2"));
        assertThat(metric("revenue")).isEqualByComparingTo(decimal("select sum(amount_paid)" + all + " where store_id = 2"));
        assertThat(marks("revenueByStore")).hasSize(1);
        screenshot("dashboard-store-2");

        // A payment at the source appears by itself (the page polls the marts' version).
        BigDecimal before = metric("revenue");
        try (Connection connection = source.open(); Statement statement = connection.createStatement()) {
            statement.execute("insert into public.rental (rental_id, rental_date, inventory_id, customer_id, staff_id) "
                    + "values (83001, '2031-01-16 12:00:00', "
                    + "(select min(inventory_id) from public.inventory where store_id = 2), 60, 2)");
            statement.execute("insert into public.payment (payment_id, customer_id, staff_id, rental_id, amount, payment_date) "
                    + "values (83001, 60, 2, 83001, 11.11, now())");
        }
        new WebDriverWait(browser, Duration.ofSeconds(60)).until(page -> metric("revenue").compareTo(before) != 0);
        assertThat(metric("revenue")).isEqualByComparingTo(decimal("select sum(amount_paid)" + all + " where store_id = 2"));
    }

    @Test
    void thePipelinePageShowsEveryTableTheTestsAndTheDeadLetters() throws Exception {
        ServingTest.awaitMartsHoldAllRentals(source, warehouse);
        browser.get(root + "pipeline.html");
        // The page redraws every 2 s: read it in one script call, so that no element goes stale mid-read.
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        wait.until(page -> pipelinePage("tables").size() >= SourceDatabases.TABLES.size() && !pipelinePage("tests").isEmpty());
        assertThat(pipelinePage("tables")).containsAll(SourceDatabases.TABLES);
        assertThat(browser.findElement(By.cssSelector(".metric[data-metric=phase]")).getDomAttribute("data-value"))
                .isEqualTo("streaming");
        assertThat(browser.findElement(By.cssSelector(".metric[data-metric=deadLetters]")).getDomAttribute("data-value"))
                .isEqualTo("0");
        // The data tests' first runs may predate the marts' tables (an error each); a run after them passes.
        wait.until(page -> pipelinePage("tests").stream().distinct().toList().equals(List.of("passed")));
        // Rates need two polls.
        wait.until(page -> !pipelinePage("rates").contains("–"));
        screenshot("pipeline");
    }

    /** What the pipeline page shows now: its tables, its data tests' statuses, or its event rates. */
    @SuppressWarnings("unchecked")
    private static List<String> pipelinePage(String what) {
        String rows = switch (what) {
            case "tables" -> "[...document.querySelectorAll('#tables tbody tr')].map(row => row.dataset.table)";
            case "tests" -> "[...document.querySelectorAll('#tests tbody tr')].map(row => row.dataset.status)";
            default -> "[...document.querySelectorAll('#tables tbody tr td:last-child')].map(cell => cell.textContent)";
        };
        return (List<String>) browser.executeScript("return " + rows + ";");
    }

    /** The filters the dashboard last drew (body's data-rendered), null before its first drawing. */
    private static String rendered() {
        return browser.findElement(By.tagName("body")).getDomAttribute("data-rendered");
    }

    private BigDecimal metric(String name) {
        return new BigDecimal(browser.findElement(By.cssSelector(".metric[data-metric=" + name + "]")).getDomAttribute("data-value"));
    }

    /** A chart's marks: label to value (scale aside: 9960.7 is 9960.70), in drawing order. */
    private Map<String, BigDecimal> marks(String chart) {
        Map<String, BigDecimal> marks = new LinkedHashMap<>();
        for (WebElement mark : browser.findElements(By.cssSelector("#" + chart + " rect[data-value]"))) {
            marks.put(mark.getDomAttribute("data-label"), new BigDecimal(mark.getDomAttribute("data-value")).stripTrailingZeros());
        }
        return marks;
    }

    private BigDecimal decimal(String sql) throws Exception {
        try (Connection connection = warehouse.connect()) {
            return new BigDecimal(String.valueOf(SourceDatabases.single(connection, sql)));
        }
    }

    private Map<String, BigDecimal> rows(String sql) throws Exception {
        Map<String, BigDecimal> rows = new LinkedHashMap<>();
        try (Connection connection = warehouse.connect()) {
            for (List<Object> row : SourceDatabases.rows(connection, sql)) {
                rows.put(String.valueOf(row.get(0)), new BigDecimal(String.valueOf(row.get(1))).stripTrailingZeros());
            }
        }
        return rows;
    }

    private static void screenshot(String name) throws Exception {
        Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
