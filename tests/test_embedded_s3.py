"""The embedded S3 endpoint of `make run` keeps uploads across restarts (moto's recorder, replayed).

Each start runs in its own process, as `make run` does: moto's recorder is per process."""
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys
    import boto3
    import requests
    from app.devstack import EmbeddedS3

    s3 = EmbeddedS3(recording=sys.argv[1] or None)
    settings = s3.start()
    client = boto3.client("s3", endpoint_url=settings["S3_ENDPOINT_URL"], region_name=settings["AWS_REGION"],
                          aws_access_key_id="k", aws_secret_access_key="s")
    action, key = sys.argv[2], sys.argv[3]
    if action == "upload":
        post = client.generate_presigned_post(settings["S3_BUCKET_PHOTOS"], key, Fields={"Content-Type": "image/gif"},
                                              Conditions=[{"Content-Type": "image/gif"}])
        requests.post(post["url"], data=post["fields"], files={"file": ("x.gif", b"GIF89a-bytes", "image/gif")},
                      timeout=10).raise_for_status()
    elif action == "delete":
        client.delete_objects(Bucket=settings["S3_BUCKET_PHOTOS"], Delete={"Objects": [{"Key": key}]})
    listed = client.list_objects_v2(Bucket=settings["S3_BUCKET_PHOTOS"]).get("Contents", [])
    bodies = {o["Key"]: client.get_object(Bucket=settings["S3_BUCKET_PHOTOS"], Key=o["Key"])["Body"].read().decode()
              for o in listed}
    s3.stop()
    print(sorted(bodies.items()))
""")


def start_and(recording, action, key):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(recording or ""), action, key],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_uploads_and_deletes_survive_a_restart_of_the_embedded_s3(tmp_path):
    recording = tmp_path / "s3" / "requests.jsonl"
    start_and(recording, "upload", "a.gif")
    start_and(recording, "upload", "b.gif")

    after_restart = start_and(recording, "delete", "a.gif")
    next_start = start_and(recording, "list", "-")

    assert after_restart == next_start == "[('b.gif', 'GIF89a-bytes')]"


def test_without_a_recording_the_embedded_s3_starts_empty():
    first = start_and(None, "upload", "a.gif")

    second = start_and(None, "list", "-")

    assert first == "[('a.gif', 'GIF89a-bytes')]"
    assert second == "[]"
