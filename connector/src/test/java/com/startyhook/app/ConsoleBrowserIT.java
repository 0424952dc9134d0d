package com.startyhook.app;

import static com.startyhook.app.ConnectorFixture.eventFlow;
import static com.startyhook.app.ConnectorFixture.writeFlow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.startyhook.ops.ManualRun;
import com.startyhook.receiver.HttpsReceiver;
import com.startyhook.rules.Rules;
import com.startyhook.rules.RulesLoader;
import com.startyhook.testsupport.HttpsReceiverExtension;
import com.startyhook.testsupport.PostgresExtension;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;

/**
 * Issue 6, the console in a real headless browser (Debian's chromium and chromedriver): flows with
 * their state, actions filtered by status, activate and retry with the admin token.
 */
class ConsoleBrowserIT {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String TOKEN = "console-admin-token-4242";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension().withDemoSchema();
    @RegisterExtension
    final HttpsReceiverExtension receiver = new HttpsReceiverExtension();
    @TempDir
    Path rules;
    @TempDir
    Path profile;

    private ChromeDriverService service;
    private WebDriver browser;

    @BeforeEach
    void browser() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium and chromedriver are not installed (.ci/run installs them)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--user-data-dir=" + profile);
        service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.stop();
        }
    }

    @Test
    void showsFlowsFiltersFailedActionsAndRetriesOneWithTheToken() throws Exception {
        AtomicBoolean receiverDown = new AtomicBoolean(true);
        receiver.receiver().respondWith(r -> r.path().startsWith("/down") && receiverDown.get()
                ? HttpsReceiver.Response.status(500).withBody("down for maintenance")
                : HttpsReceiver.Response.status(200));
        ConnectorFixture.writeEntities(rules);
        writeFlow(rules, "to-down-receiver", eventFlow("to-down-receiver", "project", "\"create\"",
                receiver.url("/down")));
        writeFlow(rules, "to-up-receiver", eventFlow("to-up-receiver", "project", "\"create\"", receiver.url("/up")));
        PG.execute("INSERT INTO erp.project (id, organization_id, code, name) VALUES (77, 1, 'P77', 'seventy-seven')");
        ConnectorFixture fixture = new ConnectorFixture(PG, rules, "console").trust(receiver).allowPrivateHosts("localhost").withHttp()
                .env("STARTYHOOK_HTTP_ADMIN_TOKEN", TOKEN);
        try (Connector connector = fixture.start()) {
            Rules loaded = RulesLoader.withoutSecretResolution(false).load(rules).rules();
            ManualRun fire = new ManualRun(connector.database(), Clock.systemUTC());
            long failing = fire.fire(loaded, "to-down-receiver", "77").get(0);
            long delivered = fire.fire(loaded, "to-up-receiver", "77").get(0);
            await().atMost(PATIENCE).until(() -> status(failing).equals("failed") && status(delivered).equals("delivered"));

            browser.get("http://127.0.0.1:" + connector.httpPort() + "/");
            await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
                assertThat(flowState("to-down-receiver")).isEqualTo("inactive");
                assertThat(flowState("to-up-receiver")).isEqualTo("inactive");
                assertThat(actionIds()).contains(Long.toString(failing), Long.toString(delivered));
            });

            new Select(browser.findElement(By.id("filter-status"))).selectByValue("failed");
            browser.findElement(By.id("apply-filters")).click();
            await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
                assertThat(actionIds()).containsExactly(Long.toString(failing));
                assertThat(row(failing).getAttribute("data-status")).isEqualTo("failed");
            });

            // without the token the server refuses, and the page says so
            row(failing).findElement(By.cssSelector("button[data-op=retry]")).click();
            await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() ->
                    assertThat(browser.findElement(By.id("message")).getText()).contains("admin token"));
            assertThat(status(failing)).isEqualTo("failed");

            browser.findElement(By.id("token")).sendKeys(TOKEN);
            receiverDown.set(false);
            row(failing).findElement(By.cssSelector("button[data-op=retry]")).click();
            await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() ->
                    assertThat(browser.findElement(By.id("message")).getText()).contains("failed → pending"));
            await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
                assertThat(row(failing).getAttribute("data-status")).isEqualTo("delivered");
                assertThat(row(failing).findElement(By.cssSelector("td.status")).getText()).isEqualTo("delivered");
            });
            assertThat(status(failing)).isEqualTo("delivered");

            // activation from the console
            browser.findElement(By.cssSelector("#flows tr[data-flow=to-up-receiver] button[data-op=activate]")).click();
            await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() ->
                    assertThat(flowState("to-up-receiver")).isEqualTo("active"));
            assertThat(PG.count("startyhook.flow_activation WHERE flow_name = 'to-up-receiver'"
                    + " AND active_hash IS NOT NULL AND activated_by = 'console'")).isEqualTo(1);
        }
    }

    private String flowState(String flow) {
        return browser.findElement(By.cssSelector("#flows tr[data-flow=" + flow + "] td.state")).getText();
    }

    private List<String> actionIds() {
        return browser.findElements(By.cssSelector("#actions tbody tr[data-id]")).stream()
                .map(e -> e.getAttribute("data-id")).toList();
    }

    private WebElement row(long id) {
        return browser.findElement(By.cssSelector("#actions tbody tr[data-id='" + id + "']"));
    }

    private static String status(long id) throws Exception {
        return String.valueOf(PG.queryValue("SELECT status FROM startyhook.action WHERE id = " + id));
    }
}
