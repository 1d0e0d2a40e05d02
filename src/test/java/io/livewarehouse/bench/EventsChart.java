package io.livewarehouse.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The streaming drains as a chart: events per second over time for the pipeline and each peer, from the
 * samples each drain took (seconds since its start, events applied so far), as an SVG file with no
 * dependencies, so that the report can show it and a browser or the README renders it.
 */
final class EventsChart {

    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};
    private static final int WIDTH = 760;
    private static final int HEIGHT = 360;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;

    private EventsChart() {
    }

    /** Rates over windows of {@code window} seconds: (window end, events/s) pairs from cumulative samples. */
    static List<double[]> rates(List<double[]> samples, double window) {
        List<double[]> rates = new ArrayList<>();
        if (samples.isEmpty()) {
            return rates;
        }
        double end = samples.get(samples.size() - 1)[0];
        int at = 0;
        double previous = 0;
        for (double until = window; until < end + window; until += window) {
            while (at + 1 < samples.size() && samples.get(at + 1)[0] <= until) {
                at++;
            }
            double events = samples.get(at)[1];
            // The last window may be shorter: its rate over the time it covers, unless that is under half a
            // window (a drain's last poll would read as a spike; its events are in the total figures).
            double covered = Math.min(until, end) - (until - window);
            if (covered < window / 2 && until > window) {
                break;
            }
            rates.add(new double[] {Math.min(until, end), (events - previous) / Math.max(covered, 1e-3)});
            previous = events;
        }
        return rates;
    }

    /** The SVG of every series' rates (name to cumulative samples), in the order given. */
    static String svg(String title, Map<String, List<double[]>> series) {
        Map<String, List<double[]>> rates = new java.util.LinkedHashMap<>();
        series.forEach((name, samples) -> rates.put(name, rates(samples, 1.0)));
        double maxX = 1;
        double maxY = 1;
        for (List<double[]> points : rates.values()) {
            for (double[] point : points) {
                maxX = Math.max(maxX, point[0]);
                maxY = Math.max(maxY, point[1]);
            }
        }
        maxY = niceCeiling(maxY);
        maxX = Math.ceil(maxX);
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">\n", WIDTH, HEIGHT));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\">%s</text>\n", LEFT, escape(title)));
        int plotWidth = WIDTH - LEFT - RIGHT;
        int plotHeight = HEIGHT - TOP - BOTTOM;
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n",
                LEFT, TOP, plotWidth, plotHeight));
        for (int tick = 0; tick <= 4; tick++) {
            double value = maxY * tick / 4;
            double y = TOP + plotHeight - plotHeight * tick / 4.0;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%,.0f</text>\n",
                    LEFT, y, LEFT + plotWidth, y, LEFT - 6, y + 4, value));
            double seconds = maxX * tick / 4;
            double x = LEFT + plotWidth * tick / 4.0;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>\n",
                    x, TOP + plotHeight + 16, seconds));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">seconds since the drain started</text>\n",
                LEFT + plotWidth / 2, HEIGHT - 12));
        svg.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">events/s (1 s windows)</text>\n",
                TOP + plotHeight / 2, TOP + plotHeight / 2));
        int index = 0;
        for (Map.Entry<String, List<double[]>> entry : rates.entrySet()) {
            String colour = COLOURS[index % COLOURS.length];
            StringBuilder points = new StringBuilder();
            for (double[] point : entry.getValue()) {
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + plotWidth * point[0] / maxX,
                        TOP + plotHeight - plotHeight * Math.max(0, point[1]) / maxY));
            }
            svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>\n",
                    colour, points.toString().trim()));
            int legendY = TOP + 16 + 16 * index;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>\n", LEFT + plotWidth - 330, legendY - 4, LEFT + plotWidth - 306,
                    legendY - 4, colour, LEFT + plotWidth - 300, legendY, escape(entry.getKey())));
            index++;
        }
        return svg.append("</svg>\n").toString();
    }

    private static double niceCeiling(double value) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (value <= step * magnitude) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
