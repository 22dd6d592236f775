export { Product, ProductId, ProductPage, ProductParams, ProductQuery } from './product';
export { Quote, QuoteLine, QuoteRequest } from './quote';
