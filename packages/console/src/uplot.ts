// uPlot and its stylesheet, in a chunk of their own: loaded when a chart is first shown, not with the sign-in page.
import 'uplot/dist/uPlot.min.css';
import uPlot from 'uplot';

export default uPlot;
