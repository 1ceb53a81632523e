import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type Availability,
  AvailabilitySchema,
  type Product as ProductMessage,
  ProductSchema,
  StockStatus,
} from "@emporium/gen/emporium/catalog/v1/catalog_pb";
import type { ProductAvailability } from "./domain/availability.js";
import type { Product } from "./domain/product.js";
import type { PartialProduct } from "./store/product-store.js";

/** Domain product (possibly sparse) -> proto; fields that were not read stay unset. */
export function toProtoProduct(product: PartialProduct): ProductMessage {
  return create(ProductSchema, {
    id: product.id,
    sku: product.sku,
    name: product.name,
    description: product.description,
    categoryId: product.categoryId,
    price: product.price,
    imageUrl: product.imageUrl,
    attributes: product.attributes,
    version: product.version,
    createTime: product.createdAt && timestampFromDate(product.createdAt),
    updateTime: product.updatedAt && timestampFromDate(product.updatedAt),
  });
}

/** The writable part of a proto product, as the domain sees it. */
export function fromProtoProduct(message: ProductMessage | undefined): Partial<Product> {
  if (!message) return {};
  return {
    name: message.name,
    description: message.description,
    categoryId: message.categoryId,
    imageUrl: message.imageUrl,
    attributes: message.attributes,
    price: message.price && { currencyCode: message.price.currencyCode, amountMinor: message.price.amountMinor },
  };
}

const STOCK_STATUS = {
  "in-stock": StockStatus.IN_STOCK,
  "out-of-stock": StockStatus.OUT_OF_STOCK,
  unknown: StockStatus.UNKNOWN,
} as const;

/** Domain availability -> proto; the unit count only when it is known. */
export function toProtoAvailability(availability: ProductAvailability): Availability {
  return create(AvailabilitySchema, {
    status: STOCK_STATUS[availability.status],
    ...(availability.status === "unknown" ? {} : { availableUnits: availability.availableUnits }),
  });
}
