// The bus on which the service announces outcomes (Provider Ready / Provider Failed).
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';

export const EVENT_BUS_NAME = 'capa-provider-onboarding';
export const EVENT_SOURCE = 'capa-provider-onboarding';

export class ProviderEvents extends Construct {
  readonly bus: events.EventBus;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // A fixed name: consumers (portal, alerting) subscribe to it by name across deployments.
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: EVENT_BUS_NAME,
      description: 'Outcomes of CAPA provider onboarding (Provider Ready, Provider Failed)',
    });
  }
}
