import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { IdentityService } from "@emporium/gen/emporium/identity/v1/identity_service_pb";
import { OrderService } from "@emporium/gen/emporium/orders/v1/orders_service_pb";

/**
 * The services the gateway serves publicly, in its order (main.ts), for
 * writing the committed document without a running gateway. The e2e test
 * compares that file with what a real gateway serves, so a service added in
 * main.ts and not here fails the tests.
 */
export const PUBLIC_SERVICES = [OrderService, CatalogService, IdentityService];
