export { renderMarkdownReport, mdEscape } from './render-markdown.js';
export { renderHtmlReport, renderTimelineSvg, htmlEscape } from './render-html.js';
export { buildReportModel } from './report-model.js';
